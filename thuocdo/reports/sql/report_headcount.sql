SELECT
    (SELECT COUNT(*) FROM units u WHERE u.path LIKE :scope_path AND u.active = TRUE) AS n_units,
    (SELECT COUNT(*) FROM officials o JOIN units u ON u.id = o.unit_id
        WHERE u.path LIKE :scope_path AND o.active = TRUE) AS n_officials
