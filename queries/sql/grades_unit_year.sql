SELECT u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, u.path, u.level, u.outstanding,
       a.year, COALESCE(o.task_group, '') AS task_group,
       COUNT(*) AS n,
       SUM(CASE WHEN a.grade = 'excellent' THEN 1 ELSE 0 END) AS n_excellent,
       SUM(CASE WHEN a.grade = 'good' THEN 1 ELSE 0 END) AS n_good,
       SUM(CASE WHEN a.grade = 'completed' THEN 1 ELSE 0 END) AS n_completed,
       SUM(CASE WHEN a.grade = 'not_completed' THEN 1 ELSE 0 END) AS n_not_completed,
       SUM(a.score) AS sum_score
FROM annual_grades a
JOIN units u ON u.id = a.unit_id
JOIN officials o ON o.id = a.official_id
WHERE u.path LIKE :scope_path
  AND a.year BETWEEN :year_from AND :year_to
GROUP BY u.id, u.code, u.name, u.path, u.level, u.outstanding, a.year, COALESCE(o.task_group, '')
ORDER BY u.path, a.year, task_group
