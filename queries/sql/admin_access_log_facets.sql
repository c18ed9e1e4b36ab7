SELECT DISTINCT actor, action
FROM access_log
WHERE :whole_city = 1
ORDER BY actor, action
