-- One warning with its evidence, subject and unit, if its unit lies inside the scope.
SELECT w.id, w.rule_code, w.subject_type, w.subject_id,
       COALESCE(o.code, su.code) AS subject_code,
       COALESCE(o.full_name, su.name) AS subject_name,
       o.position AS subject_position,
       w.unit_id, u.code AS unit_code, u.name AS unit_name, u.path AS unit_path,
       w.month, w.severity, w.score, w.status, w.assignee, w.reason_key, w.reason_params,
       w.evidence, w.evidence_hash, w.threshold, w.peer_cutoff, w.sample_size, w.config_version,
       w.created_at, w.updated_at
FROM warnings w
JOIN units u ON u.id = w.unit_id
LEFT JOIN officials o ON w.subject_type = 'official' AND o.id = w.subject_id
LEFT JOIN units su ON w.subject_type = 'unit' AND su.id = w.subject_id
WHERE w.id = :warning_id
  AND u.path LIKE :scope_path
