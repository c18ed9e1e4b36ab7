SELECT u.id, u.code, u.name, u.kind, u.level, u.path, u.parent_id
FROM units u
WHERE u.path LIKE :scope_path AND u.active = TRUE
ORDER BY u.path
