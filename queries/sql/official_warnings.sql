SELECT w.id, w.rule_code, w.month, w.severity, w.status, w.reason_key, w.reason_params,
       w.sample_size, w.threshold, w.updated_at
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE w.subject_type = 'official'
  AND w.subject_id = :official_id
  AND u.path LIKE :scope_path
ORDER BY w.month DESC, w.id DESC
