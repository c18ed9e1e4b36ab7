SELECT r.month, SUM(r.n) AS n_ratings,
       SUM(CASE WHEN r.scale = 5 THEN r.s4 + r.s5 ELSE r.s3 + r.s4 END) AS n_satisfied,
       SUM(r.s1) AS n_dissatisfied
FROM rollup_rating_unit r
JOIN units u ON u.id = r.unit_id
WHERE u.path LIKE :scope_path AND r.month BETWEEN :start AND :end
GROUP BY r.month
ORDER BY r.month
