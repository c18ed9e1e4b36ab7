SELECT 'official' AS subject, r.month, r.scale,
       SUM(r.s1) AS s1, SUM(r.s2) AS s2, SUM(r.s3) AS s3, SUM(r.s4) AS s4, SUM(r.s5) AS s5, SUM(r.n) AS n
FROM rollup_rating_official r
JOIN units u ON u.id = r.unit_id
WHERE r.official_id = :official_id
  AND u.path LIKE :scope_path
  AND r.month BETWEEN :start AND :end
GROUP BY r.month, r.scale
UNION ALL
SELECT 'unit' AS subject, r.month, r.scale,
       SUM(r.s1), SUM(r.s2), SUM(r.s3), SUM(r.s4), SUM(r.s5), SUM(r.n)
FROM rollup_rating_unit r
JOIN units u ON u.id = r.unit_id
WHERE r.unit_id = :unit_id
  AND u.path LIKE :scope_path
  AND r.month BETWEEN :start AND :end
GROUP BY r.month, r.scale
ORDER BY subject, month, scale
