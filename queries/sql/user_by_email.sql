SELECT us.email, us.name, us.role, us.active, un.code AS unit_code, un.name AS unit_name, COALESCE(un.path, '/') AS unit_path
FROM users us
LEFT JOIN units un ON un.id = us.unit_id
WHERE LOWER(us.email) = :email
