SELECT l.id, l.at, l.actor, l.role, l.action, l.target_type, l.target, l.purpose, l.detail,
       o.code AS official_code, o.full_name AS official_name, u.code AS unit_code
FROM access_log l
LEFT JOIN officials o ON l.target_type = 'official' AND o.code = l.target
LEFT JOIN units u ON u.id = o.unit_id
WHERE l.at >= :since
  AND l.at < :until
  AND (:actor = '' OR l.actor = :actor)
  AND (:action = '' OR l.action = :action)
  AND (:target = '' OR l.target = :target)
  AND (u.path LIKE :scope_path OR (u.path IS NULL AND :whole_city = 1))
ORDER BY l.at DESC, l.id DESC
LIMIT :row_limit
