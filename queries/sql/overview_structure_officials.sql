-- Active officials grouped for the structural targets: leaders and commune heads keep the
-- attributes the targets read; everyone else collapses to (unit, education).
SELECT o.unit_id, u.kind AS unit_kind,
       o.is_leader,
       CASE WHEN o.is_leader OR o.position_code IN ('secretary', 'chair') THEN o.position_code END AS position_code,
       CASE WHEN o.is_leader THEN o.gender END AS gender,
       CASE WHEN o.is_leader THEN o.birth_date END AS birth_date,
       o.education,
       CASE WHEN o.is_leader THEN o.theory_level END AS theory_level,
       CASE WHEN o.is_leader OR o.position_code IN ('secretary', 'chair') THEN o.is_local END AS is_local,
       COUNT(*) AS n
FROM officials o
JOIN units u ON u.id = o.unit_id
WHERE u.path LIKE :scope_path AND o.active = TRUE
GROUP BY o.unit_id, u.kind, o.is_leader,
         CASE WHEN o.is_leader OR o.position_code IN ('secretary', 'chair') THEN o.position_code END,
         CASE WHEN o.is_leader THEN o.gender END,
         CASE WHEN o.is_leader THEN o.birth_date END,
         o.education,
         CASE WHEN o.is_leader THEN o.theory_level END,
         CASE WHEN o.is_leader OR o.position_code IN ('secretary', 'chair') THEN o.is_local END
