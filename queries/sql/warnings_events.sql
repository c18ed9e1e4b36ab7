-- The event trail of one warning (oldest first), if its unit lies inside the scope.
SELECT e.id, e.at, e.actor, e.action, e.from_status, e.to_status, e.note
FROM warning_events e
JOIN warnings w ON w.id = e.warning_id
JOIN units u ON u.id = w.unit_id
WHERE e.warning_id = :warning_id
  AND u.path LIKE :scope_path
ORDER BY e.at, e.id
