SELECT us.email, us.name, us.role, us.active, us.is_demo, un.code AS unit_code, un.path AS unit_path
FROM users us
LEFT JOIN units un ON un.id = us.unit_id
WHERE us.email = :email
