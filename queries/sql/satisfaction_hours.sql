SELECT h.dow, h.hour, SUM(h.n) AS n
FROM rollup_rating_hour h
JOIN units u ON u.id = h.unit_id
WHERE u.path LIKE :scope_path
  AND h.month BETWEEN :start AND :end
GROUP BY h.dow, h.hour
