// A real OpenID Connect provider for Thước Đo's login tests (npm package oidc-provider).
//
// Started by tests/test_oidc_login.py:
//   node tests/oidc/provider.mjs
// with the environment
//   OIDC_PORT      port on 127.0.0.1 (issuer http://127.0.0.1:OIDC_PORT)
//   APP_BASE       the app's base URL, e.g. http://localhost:8765 (its /oauth2callback is
//                  the one registered redirect URI)
//   CLIENT_ID, CLIENT_SECRET
// It prints "READY <issuer>" on stdout once listening.
//
// The accounts are fixed: one per role, one without any role claim, and one whose role
// lives only in the app's users table. devInteractions shows the login form (any
// password is accepted: this is a test provider bound to 127.0.0.1); the grant is
// automatic, so there is no consent screen.

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 4400);
const appBase = (process.env.APP_BASE || 'http://localhost:8501').replace(/\/$/, '');
const clientId = process.env.CLIENT_ID || 'thuocdo';
const clientSecret = process.env.CLIENT_SECRET || 'thuocdo-test-secret';
const issuer = `http://127.0.0.1:${port}`;

// accountId (what is typed in the login form) -> ID-token claims.
export const ACCOUNTS = {
  lanhdao: { email: 'lanhdao@hanoi.test', name: 'Nguyễn Văn Lãnh', thuocdo_role: 'leader' },
  kiemtra: { email: 'kiemtra@hanoi.test', name: 'Trần Thị Kiểm', thuocdo_role: 'inspector' },
  truongphuong: {
    email: 'truongphuong@hanoi.test',
    name: 'Lê Văn Trưởng',
    thuocdo_role: 'unit_head',
    thuocdo_unit: 'HN.P.HOANKIEM',
  },
  baocao: { email: 'baocao@hanoi.test', name: 'Phạm Thị Báo', thuocdo_role: 'presenter' },
  quantri: { email: 'quantri@hanoi.test', name: 'Vũ Văn Quản', thuocdo_role: 'admin' },
  // No role claim and not in the users table: must be refused.
  khach: { email: 'khach@hanoi.test', name: 'Đỗ Thị Khách' },
  // No role claim; the users table (filled by the admin page) gives the role.
  bangbien: { email: 'bangbien@hanoi.test', name: 'Hoàng Văn Bảng' },
};

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${appBase}/oauth2callback`],
      post_logout_redirect_uris: [`${appBase}/oauth2callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Streamlit reads the ID token only (no userinfo call): put every claim in it.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    thuocdo: ['thuocdo_role', 'thuocdo_unit'],
  },
  scopes: ['openid', 'email', 'profile', 'thuocdo'],
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
  // An automatic grant: no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile thuocdo');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'thuocdo_role', 'thuocdo_unit']);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // Sign out of the provider without a confirmation click.
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign-out</title></head>
<body>${form}<input type="hidden" name="logout" value="yes" form="op.logoutForm">
<script>document.getElementById('op.logoutForm').submit();</script></body></html>`;
      },
    },
  },
  cookies: { keys: ['thuocdo-test-cookie-key'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60 },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
