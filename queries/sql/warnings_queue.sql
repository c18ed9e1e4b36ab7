-- Warnings in scope (and in a unit subtree) whose month lies in [month_from, month_to],
-- with the subject's code and name and the unit; the page filters the rest in memory.
SELECT w.id, w.rule_code, w.subject_type, w.subject_id,
       COALESCE(o.code, su.code) AS subject_code,
       COALESCE(o.full_name, su.name) AS subject_name,
       w.unit_id, u.code AS unit_code, u.name AS unit_name, u.path AS unit_path,
       w.month, w.severity, w.score, w.status, w.assignee, w.reason_key, w.reason_params,
       w.threshold, w.peer_cutoff, w.sample_size, w.config_version, w.created_at, w.updated_at
FROM warnings w
JOIN units u ON u.id = w.unit_id
LEFT JOIN officials o ON w.subject_type = 'official' AND o.id = w.subject_id
LEFT JOIN units su ON w.subject_type = 'unit' AND su.id = w.subject_id
WHERE u.path LIKE :scope_path
  AND u.path LIKE :unit_path
  AND w.month BETWEEN :month_from AND :month_to
ORDER BY CASE WHEN w.status IN ('new', 'acknowledged', 'verified') THEN 0 ELSE 1 END,
         CASE w.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
         w.month DESC, w.id DESC
