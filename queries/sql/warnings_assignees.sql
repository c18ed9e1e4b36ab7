-- People who may act on warnings (leaders, inspectors, admins), with their scope root.
SELECT us.email, us.name, us.role, COALESCE(un.path, '/') AS unit_path
FROM users us
LEFT JOIN units un ON un.id = us.unit_id
WHERE us.active = TRUE
  AND us.role IN ('leader', 'inspector', 'admin')
ORDER BY us.role, us.name, us.email
