SELECT us.email, us.name, us.role, un.code AS unit_code, un.name AS unit_name, COALESCE(un.path, '/') AS unit_path
FROM users us
LEFT JOIN units un ON un.id = us.unit_id
WHERE us.is_demo = TRUE AND us.active = TRUE
ORDER BY CASE us.role
    WHEN 'leader' THEN 1 WHEN 'inspector' THEN 2 WHEN 'unit_head' THEN 3
    WHEN 'presenter' THEN 4 WHEN 'admin' THEN 5 ELSE 6 END, us.email
