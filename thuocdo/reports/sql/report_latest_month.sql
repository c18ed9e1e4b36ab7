SELECT MAX(m.month) AS month
FROM (
    SELECT unit_id, month FROM rollup_eval_unit
    UNION
    SELECT unit_id, month FROM rollup_rating_unit
) m
JOIN units u ON u.id = m.unit_id
WHERE u.path LIKE :scope_path
