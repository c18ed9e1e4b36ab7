SELECT path FROM units WHERE code = :code
