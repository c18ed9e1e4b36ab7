SELECT o.id, o.code, o.full_name, o.position, o.position_code, o.task_group, o.is_leader,
       u.id AS unit_id, u.code AS unit_code, u.name AS unit_name
FROM officials o
JOIN units u ON u.id = o.unit_id
WHERE o.unit_id = :unit_id
  AND u.path LIKE :scope_path
  AND o.active = TRUE
ORDER BY o.is_leader DESC, o.full_name
