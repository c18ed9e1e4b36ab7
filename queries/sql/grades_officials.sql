SELECT o.id, o.code, o.full_name, o.position, o.position_code, o.task_group, o.is_leader,
       COUNT(e.id) AS months,
       AVG(e.final_score) AS mean_score,
       AVG(e.self_score) AS mean_self,
       AVG(e.manager_score) AS mean_manager,
       SUM(CASE WHEN e.grade = 'excellent' THEN 1 ELSE 0 END) AS n_excellent,
       SUM(CASE WHEN e.grade = 'not_completed' THEN 1 ELSE 0 END) AS n_not_completed,
       MAX(CASE WHEN e.disciplined THEN 1 ELSE 0 END) AS disciplined,
       MAX(a.grade) AS annual_grade,
       MAX(a.score) AS annual_score
FROM officials o
JOIN units u ON u.id = o.unit_id
LEFT JOIN evaluations e ON e.official_id = o.id AND e.month BETWEEN :start AND :end
LEFT JOIN annual_grades a ON a.official_id = o.id AND a.year = :year
WHERE o.unit_id = :unit_id
  AND u.path LIKE :scope_path
  AND o.active = TRUE
GROUP BY o.id, o.code, o.full_name, o.position, o.position_code, o.task_group, o.is_leader
ORDER BY mean_score DESC, o.full_name
