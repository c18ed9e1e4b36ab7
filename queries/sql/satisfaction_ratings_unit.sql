SELECT r.id, r.rated_at, r.channel, r.device_id, r.service_code,
       COALESCE(s.name, r.service_code) AS service_name, r.score, r.scale,
       o.code AS official_code, o.full_name AS official_name
FROM ratings r
JOIN units u ON u.id = r.unit_id
LEFT JOIN officials o ON o.id = r.official_id
LEFT JOIN services s ON s.code = r.service_code
WHERE r.unit_id = :unit_id
  AND r.month = :month
  AND u.path LIKE :scope_path
ORDER BY r.rated_at, r.id
LIMIT :limit OFFSET :offset
