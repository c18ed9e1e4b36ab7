SELECT e.month, SUM(e.n) AS n_eval, SUM(e.sum_final) AS sum_final,
       SUM(e.n_excellent) AS n_excellent, SUM(e.n_good) AS n_good,
       SUM(e.n_completed) AS n_completed, SUM(e.n_not_completed) AS n_not_completed
FROM rollup_eval_unit e
JOIN units u ON u.id = e.unit_id
WHERE u.path LIKE :scope_path AND e.month BETWEEN :start AND :end
GROUP BY e.month
ORDER BY e.month
