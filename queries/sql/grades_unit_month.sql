SELECT u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, u.path, u.level, u.outstanding,
       r.month, r.n, r.n_excellent, r.n_good, r.n_completed, r.n_not_completed, r.sum_final
FROM rollup_eval_unit r
JOIN units u ON u.id = r.unit_id
WHERE u.path LIKE :scope_path
  AND r.month BETWEEN :start AND :end
ORDER BY u.path, r.month
