-- Check-ins up to the window end of the key results of objectives in scope overlapping the window.
SELECT c.key_result_id, c.checked_at, c.value
FROM kr_checkins c
JOIN key_results k ON k.id = c.key_result_id
JOIN objectives o ON o.id = k.objective_id
JOIN units u ON u.id = o.unit_id
WHERE u.path LIKE :scope_path AND o.start_date <= :end_date AND o.end_date >= :start_date
  AND c.checked_at <= :end_date
ORDER BY c.key_result_id, c.checked_at
