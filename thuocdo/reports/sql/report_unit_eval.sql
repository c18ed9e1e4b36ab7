SELECT a.code,
       SUM(e.n) AS n_eval,
       SUM(e.sum_final) AS sum_final,
       SUM(e.sum_self) AS sum_self,
       SUM(e.sum_manager) AS sum_manager,
       SUM(e.n_excellent) AS n_excellent,
       SUM(e.n_good) AS n_good,
       SUM(e.n_completed) AS n_completed,
       SUM(e.n_not_completed) AS n_not_completed
FROM units a
JOIN units u ON u.path LIKE (a.path || '%')
JOIN rollup_eval_unit e ON e.unit_id = u.id
WHERE a.path LIKE :scope_path AND a.active = TRUE AND e.month BETWEEN :start AND :end
GROUP BY a.code
