-- First and last month of the warnings in scope.
SELECT MIN(w.month) AS first_month, MAX(w.month) AS last_month, COUNT(*) AS n
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE u.path LIKE :scope_path
