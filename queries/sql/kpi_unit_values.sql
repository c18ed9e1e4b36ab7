-- One unit's KPI values over a window of months, with the catalogue entry of each KPI.
SELECT k.id AS kpi_id, k.code, k.name, k.name_en, k.unit_of_measure, k.direction, k.parent_code,
       v.month, v.target, v.actual
FROM kpi_values v
JOIN kpis k ON k.id = v.kpi_id
JOIN units u ON u.id = v.unit_id
WHERE u.path LIKE :scope_path AND u.id = :unit_id AND v.month BETWEEN :start AND :end
ORDER BY k.code, v.month
