//! Layering, validation and the start-up summary.

use super::*;

#[test]
fn flags_beat_file_and_file_beats_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "bind = \"127.0.0.1:9000\"\nissuer = \"https://file.example\"\nrate_limit = 7\n",
    )
    .unwrap();
    let common = ConfigArgs {
        config: Some(path),
        ..Default::default()
    };
    let serve = ServeArgs {
        issuer: Some("https://flag.example".into()),
        ..Default::default()
    };
    let c = Config::load(&common, &serve).unwrap();
    assert_eq!(c.issuer, "https://flag.example");
    assert_eq!(c.bind.port(), 9000);
    assert_eq!(c.rate_limit_per_10s, 7);
    assert_eq!(c.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
}

#[test]
fn unknown_file_keys_and_bad_issuers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "bnd = \"x\"\n").unwrap();
    let common = ConfigArgs {
        config: Some(path),
        ..Default::default()
    };
    let err = Config::load(&common, &ServeArgs::default()).unwrap_err();
    assert!(format!("{err:#}").contains("bnd"), "{err:#}");
    let serve = ServeArgs {
        issuer: Some("ftp://x".into()),
        ..Default::default()
    };
    assert!(Config::load(&ConfigArgs::default(), &serve).is_err());
}

#[test]
fn the_issuer_follows_the_bind_address_unless_given() {
    let serve = ServeArgs {
        bind: Some(parse_bind("127.0.0.1:18080").unwrap()),
        ..Default::default()
    };
    let c = Config::load(&ConfigArgs::default(), &serve).unwrap();
    assert_eq!(c.issuer, "http://127.0.0.1:18080");
    assert!(c.issuer_from_bind);
    let c = Config::load(&ConfigArgs::default(), &ServeArgs::default()).unwrap();
    assert_eq!(c.issuer, "http://127.0.0.1:8080");
    let serve = ServeArgs {
        bind: Some(parse_bind("0.0.0.0:9000").unwrap()),
        issuer: Some("https://api.example".into()),
        ..Default::default()
    };
    let c = Config::load(&ConfigArgs::default(), &serve).unwrap();
    assert_eq!(c.issuer, "https://api.example");
    assert!(!c.issuer_from_bind);
    assert_eq!(
        parse_bind("0.0.0.0:9000").unwrap().local_url(),
        "http://127.0.0.1:9000"
    );
    assert_eq!(
        parse_bind("[::]:9000").unwrap().local_url(),
        "http://[::1]:9000"
    );
}

#[test]
fn bind_takes_host_names() {
    let b = parse_bind("localhost:18081").unwrap();
    assert!(b.addr.ip().is_loopback(), "{b:?}");
    assert_eq!(b.addr.port(), 18081);
    assert_eq!(b.local_url(), "http://localhost:18081");
    assert!(parse_bind("localhost").is_err());
    assert!(parse_bind("localhost:99999").unwrap_err().contains("port"));
}

#[test]
fn limits_are_bounded() {
    let load = |serve: ServeArgs| Config::load(&ConfigArgs::default(), &serve).is_ok();
    for (depth, ok) in [(0, false), (1, true), (100, true), (101, false)] {
        let max_json_depth = Some(depth);
        assert_eq!(
            load(ServeArgs {
                max_json_depth,
                ..Default::default()
            }),
            ok,
            "{depth}"
        );
    }
    let header_read_timeout_seconds = Some(0);
    assert!(!load(ServeArgs {
        header_read_timeout_seconds,
        ..Default::default()
    }));
    for (bytes, ok) in [(1023, false), (1024, true)] {
        let max_header_bytes = Some(bytes);
        assert_eq!(
            load(ServeArgs {
                max_header_bytes,
                ..Default::default()
            }),
            ok,
            "{bytes}"
        );
    }
}

#[test]
fn the_summary_hides_secrets() {
    let mut c = Config::for_tests(Path::new("/srv/sb"));
    c.database_url = Some("postgres://app:hunter2@db.internal:6543/sb?password=x".into());
    c.server_key = Some("c2VjcmV0".into());
    let s = c.summary();
    assert!(s.contains("postgres://app@db.internal:6543/sb"), "{s}");
    assert!(
        !s.contains("hunter2") && !s.contains("password") && !s.contains("c2VjcmV0"),
        "{s}"
    );
    assert!(s.contains("server_key=configured"), "{s}");
}
