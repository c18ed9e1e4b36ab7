SELECT a.code, e.month, SUM(e.n) AS n_eval, SUM(e.sum_final) AS sum_final
FROM units a
JOIN units u ON u.path LIKE (a.path || '%')
JOIN rollup_eval_unit e ON e.unit_id = u.id
WHERE a.path LIKE :scope_path AND a.active = TRUE AND e.month BETWEEN :start AND :end
GROUP BY a.code, e.month
