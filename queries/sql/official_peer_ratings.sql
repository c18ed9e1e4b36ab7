SELECT r.scale,
       SUM(r.s1) AS s1, SUM(r.s2) AS s2, SUM(r.s3) AS s3, SUM(r.s4) AS s4, SUM(r.s5) AS s5, SUM(r.n) AS n,
       COUNT(DISTINCT r.official_id) AS n_officials
FROM rollup_rating_official r
JOIN officials o ON o.id = r.official_id
JOIN units u ON u.id = r.unit_id
WHERE o.position_code = :position_code
  AND u.kind = :unit_kind
  AND u.path LIKE :scope_path
  AND r.month BETWEEN :start AND :end
GROUP BY r.scale
