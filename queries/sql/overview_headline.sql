SELECT
    (SELECT COUNT(*) FROM units u WHERE u.path LIKE :scope_path AND u.active = TRUE) AS n_units,
    (SELECT COUNT(*) FROM officials o JOIN units u ON u.id = o.unit_id
        WHERE u.path LIKE :scope_path AND o.active = TRUE) AS n_officials,
    (SELECT SUM(e.n) FROM rollup_eval_unit e JOIN units u ON u.id = e.unit_id
        WHERE u.path LIKE :scope_path AND e.month BETWEEN :start AND :end) AS n_evaluations,
    (SELECT SUM(e.sum_final) / NULLIF(SUM(e.n), 0) FROM rollup_eval_unit e JOIN units u ON u.id = e.unit_id
        WHERE u.path LIKE :scope_path AND e.month BETWEEN :start AND :end) AS avg_final,
    (SELECT SUM(r.n) FROM rollup_rating_unit r JOIN units u ON u.id = r.unit_id
        WHERE u.path LIKE :scope_path AND r.month BETWEEN :start AND :end) AS n_ratings,
    (SELECT SUM(CASE WHEN r.scale = 5 THEN r.s4 + r.s5 ELSE r.s3 + r.s4 END) * 1.0 / NULLIF(SUM(r.n), 0)
        FROM rollup_rating_unit r JOIN units u ON u.id = r.unit_id
        WHERE u.path LIKE :scope_path AND r.month BETWEEN :start AND :end) AS satisfaction,
    (SELECT COUNT(*) FROM warnings w JOIN units u ON u.id = w.unit_id
        WHERE u.path LIKE :scope_path AND w.status IN ('new', 'acknowledged', 'verified')) AS open_warnings
