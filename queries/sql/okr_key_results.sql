-- Key results of the objectives in scope whose period overlaps [start_date, end_date].
SELECT o.id AS objective_id, o.code AS objective_code, o.title AS objective_title, o.unit_id,
       o.period_kind, o.year, o.quarter, o.start_date, o.end_date, o.weight AS objective_weight, o.owner,
       k.id, k.code, k.title, k.unit_of_measure, k.baseline, k.target, k.current, k.direction,
       k.weight, k.due_date,
       (SELECT COUNT(*) FROM kr_checkins c WHERE c.key_result_id = k.id) AS n_checkins
FROM objectives o
JOIN units u ON u.id = o.unit_id
JOIN key_results k ON k.objective_id = o.id
WHERE u.path LIKE :scope_path AND o.start_date <= :end_date AND o.end_date >= :start_date
ORDER BY o.unit_id, o.code, k.code
