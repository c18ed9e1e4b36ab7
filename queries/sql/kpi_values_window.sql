-- KPI values (target, actual) per unit, KPI and month, with the KPI's direction.
SELECT v.unit_id, v.month, v.kpi_id, k.direction, v.target, v.actual
FROM kpi_values v
JOIN kpis k ON k.id = v.kpi_id
JOIN units u ON u.id = v.unit_id
WHERE u.path LIKE :scope_path AND v.month BETWEEN :start AND :end
