SELECT a.code,
       SUM(r.n) AS n_ratings,
       SUM(CASE WHEN r.scale = 5 THEN r.s4 + r.s5 ELSE r.s3 + r.s4 END) AS n_satisfied,
       SUM(r.s1) AS n_dissatisfied
FROM units a
JOIN units u ON u.path LIKE (a.path || '%')
JOIN rollup_rating_unit r ON r.unit_id = u.id
WHERE a.path LIKE :scope_path AND a.active = TRUE AND r.month BETWEEN :start AND :end
GROUP BY a.code
