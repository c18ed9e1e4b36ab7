SELECT e.month, e.general_points, e.task_points, e.bonus_points, e.self_score, e.manager_score,
       e.final_score, e.grade, e.tasks_assigned, e.tasks_on_time, e.tasks_late, e.major_errors,
       e.disciplined, e.policy_code, e.unit_id
FROM evaluations e
JOIN units u ON u.id = e.unit_id
WHERE e.official_id = :official_id
  AND u.path LIKE :scope_path
  AND e.month BETWEEN :start AND :end
ORDER BY e.month
