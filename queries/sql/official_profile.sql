SELECT o.id, o.code, o.full_name, o.gender, o.birth_date, o.position, o.position_code, o.is_leader,
       o.position_since, o.education, o.theory_level, o.is_local, o.in_succession_plan, o.task_group,
       o.active, u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, u.kind AS unit_kind,
       u.sector AS unit_sector, u.sensitive AS unit_sensitive, u.path AS unit_path
FROM officials o
JOIN units u ON u.id = o.unit_id
WHERE (o.id = :official_id OR o.code = :official_code)
  AND u.path LIKE :scope_path
