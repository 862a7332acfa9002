//! Opaque, time-ordered ids (UUIDv7 in simple form) for every stored entity.

pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}
