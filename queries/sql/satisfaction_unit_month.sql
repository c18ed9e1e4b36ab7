SELECT r.unit_id, r.month, r.channel, r.scale,
       r.s1, r.s2, r.s3, r.s4, r.s5, r.n,
       r.n_off_hours, r.n_devices, r.max_device_day
FROM rollup_rating_unit r
JOIN units u ON u.id = r.unit_id
WHERE u.path LIKE :scope_path
  AND r.month BETWEEN :start AND :end
