-- Satisfaction counts per unit and month: satisfied = the top two levels of the scale.
SELECT r.unit_id, r.month, SUM(r.n) AS rating_n,
       SUM(CASE WHEN r.scale = 5 THEN r.s4 + r.s5 ELSE r.s3 + r.s4 END) AS rating_sat
FROM rollup_rating_unit r
JOIN units u ON u.id = r.unit_id
WHERE u.path LIKE :scope_path AND r.month BETWEEN :start AND :end
GROUP BY r.unit_id, r.month
