//! What the enrolment screen shows of a new TOTP factor: its QR code, drawn here as SVG from the `otpauth://` URI (so
//! no image comes from anywhere), and its secret in groups of four for typing. This is the one way a TOTP secret
//! leaves Rust: the reply to the main window's `enrol_totp` (docs/ipc.md); never an event, a log line or a file.

use latchkey_core::api::Enrolment;
use latchkey_core::AuthError;
use qrcode::render::svg;
use qrcode::QrCode;
use serde::Serialize;

/// The name authenticator apps show above the code.
pub const ISSUER: &str = "Latchkey";

/// The answer of `enrol_totp`. No `Debug`: it holds the secret.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TotpEnrolment {
    pub factor_id: String,
    /// A complete `<svg>` document (the QR code of the `otpauth://` URI), for an `<img>` with a `data:` URL.
    pub qr_svg: String,
    /// The base32 secret in groups of four, for typing into an authenticator by hand.
    pub secret: String,
}

/// The screen's view of a TOTP enrolment; a phone enrolment (no secret) is refused as malformed.
pub fn totp_enrolment(enrolment: &Enrolment) -> Result<TotpEnrolment, AuthError> {
    let key = enrolment.totp.as_ref().ok_or_else(|| AuthError::MalformedResponse("a TOTP enrolment without its secret".into()))?;
    let code = QrCode::new(key.uri.expose().as_bytes()).map_err(|e| AuthError::MalformedResponse(format!("the TOTP URI cannot be drawn as a QR code: {e}")))?;
    let qr_svg = code.render::<svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    let secret = key.secret.expose().as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
    Ok(TotpEnrolment { factor_id: enrolment.id.clone(), qr_svg, secret })
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::api::TotpKey;
    use latchkey_core::assurance::FactorType;
    use latchkey_core::secret::TotpSecret;

    #[test]
    fn the_secret_is_grouped_and_the_qr_code_is_an_svg_that_loads_nothing() {
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let uri = format!("otpauth://totp/Latchkey:a@b.c?secret={secret}&issuer=Latchkey");
        let key = TotpKey { secret: TotpSecret::new(secret.into()), uri: TotpSecret::new(uri) };
        let shown = totp_enrolment(&Enrolment { id: "f1".into(), factor_type: FactorType::Totp, totp: Some(key) }).unwrap();
        assert_eq!(shown.secret, "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
        assert!(shown.qr_svg.contains("<svg") && !shown.qr_svg.contains("href") && !shown.qr_svg.contains(secret), "{}", shown.qr_svg);
        let phone = Enrolment { id: "f2".into(), factor_type: FactorType::Phone, totp: None };
        assert_eq!(totp_enrolment(&phone).err().map(|e| e.code().to_string()).as_deref(), Some("malformed_response"));
    }
}
