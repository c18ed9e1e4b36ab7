SELECT o.id AS official_id, o.code AS official_code, o.full_name,
       u.id AS unit_id, u.code AS unit_code, u.name AS unit_name
FROM officials o
JOIN units u ON u.id = o.unit_id
WHERE u.path LIKE :scope_path
ORDER BY o.code
