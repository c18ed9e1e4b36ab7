-- Officials of one unit (its own staff) with their evaluation and satisfaction in the period.
SELECT o.id, o.code, o.full_name, o.position, o.is_leader,
       ev.n_months, ev.avg_final, ev.last_month,
       (SELECT e2.grade FROM evaluations e2
         WHERE e2.official_id = o.id AND e2.month = ev.last_month) AS last_grade,
       rt.rating_n, rt.rating_sat
FROM officials o
JOIN units u ON u.id = o.unit_id
LEFT JOIN (
    SELECT e.official_id, COUNT(*) AS n_months, AVG(e.final_score) AS avg_final, MAX(e.month) AS last_month
    FROM evaluations e
    WHERE e.unit_id = :unit_id AND e.month BETWEEN :start AND :end
    GROUP BY e.official_id
) ev ON ev.official_id = o.id
LEFT JOIN (
    SELECT r.official_id, SUM(r.n) AS rating_n,
           SUM(CASE WHEN r.scale = 5 THEN r.s4 + r.s5 ELSE r.s3 + r.s4 END) AS rating_sat
    FROM rollup_rating_official r
    WHERE r.unit_id = :unit_id AND r.month BETWEEN :start AND :end
    GROUP BY r.official_id
) rt ON rt.official_id = o.id
WHERE u.path LIKE :scope_path AND o.unit_id = :unit_id AND o.active = TRUE
ORDER BY o.is_leader DESC, o.code
