-- Evaluation facts per unit and month (from the rollup), for the units in scope.
SELECT e.unit_id, e.month, e.n AS eval_n, e.sum_final AS eval_sum,
       e.n_excellent, e.n_good, e.n_completed, e.n_not_completed
FROM rollup_eval_unit e
JOIN units u ON u.id = e.unit_id
WHERE u.path LIKE :scope_path AND e.month BETWEEN :start AND :end
