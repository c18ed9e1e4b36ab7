SELECT kr.id AS kr_id, kr.objective_id, o.unit_id, o.weight AS objective_weight,
       o.start_date, o.end_date, kr.baseline, kr.target, kr.direction, kr.weight, kr.current,
       (SELECT c.value FROM kr_checkins c
         WHERE c.key_result_id = kr.id AND c.checked_at <= :as_of
         ORDER BY c.checked_at DESC LIMIT 1) AS checkin_value,
       (SELECT COUNT(*) FROM kr_checkins c2 WHERE c2.key_result_id = kr.id) AS n_checkins
FROM key_results kr
JOIN objectives o ON o.id = kr.objective_id
JOIN units u ON u.id = o.unit_id
WHERE u.path LIKE :scope_path AND o.start_date <= :period_end AND o.end_date >= :period_start
