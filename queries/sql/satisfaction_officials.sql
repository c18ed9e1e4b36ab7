SELECT o.id AS official_id, o.code AS official_code, o.full_name,
       u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, r.scale,
       SUM(r.s1) AS s1, SUM(r.s2) AS s2, SUM(r.s3) AS s3, SUM(r.s4) AS s4, SUM(r.s5) AS s5,
       SUM(r.n) AS n
FROM rollup_rating_official r
JOIN units u ON u.id = r.unit_id
JOIN officials o ON o.id = r.official_id
WHERE u.path LIKE :scope_path
  AND r.month BETWEEN :start AND :end
GROUP BY o.id, o.code, o.full_name, u.id, u.code, u.name, r.scale
