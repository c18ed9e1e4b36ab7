SELECT a.year, a.score, a.grade, a.policy_code, a.disciplined, a.unit_id
FROM annual_grades a
JOIN units u ON u.id = a.unit_id
WHERE a.official_id = :official_id
  AND u.path LIKE :scope_path
ORDER BY a.year
