SELECT c.id, c.at, c.actor, c.user_email, c.before, c.after
FROM user_changes c
LEFT JOIN users us ON us.email = c.user_email
LEFT JOIN units un ON un.id = us.unit_id
WHERE COALESCE(un.path, '/') LIKE :scope_path
  AND (:email = '' OR c.user_email = :email)
ORDER BY c.at DESC, c.id DESC
LIMIT :row_limit
