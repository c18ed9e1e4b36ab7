SELECT DISTINCT m.month
FROM (
    SELECT unit_id, month FROM rollup_eval_unit
    UNION
    SELECT unit_id, month FROM rollup_rating_unit
    UNION
    SELECT unit_id, month FROM kpi_values
) m
JOIN units u ON u.id = m.unit_id
WHERE u.path LIKE :scope_path
ORDER BY m.month DESC
