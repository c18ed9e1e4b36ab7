SELECT u.id, u.code, u.name, u.kind, u.sector, u.sensitive, u.level, u.path, p.code AS parent_code
FROM units u
LEFT JOIN units p ON p.id = u.parent_id
WHERE u.path LIKE :scope_path AND u.active = TRUE
ORDER BY u.path
