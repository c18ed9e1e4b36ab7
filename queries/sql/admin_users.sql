SELECT us.email, us.name, us.role, un.code AS unit_code, un.name AS unit_name, us.active, us.is_demo, us.created_at
FROM users us
LEFT JOIN units un ON un.id = us.unit_id
WHERE COALESCE(un.path, '/') LIKE :scope_path
ORDER BY us.is_demo, CASE WHEN us.role IS NULL THEN 1 ELSE 0 END, us.email
