//! `ITEM` on the command line: `FLAVOR:SIZE[:QTY]`, e.g. `"Frango com Catupiry:large:2"`.
//! The flavor is matched case-insensitively against the menu; `QTY` defaults to 1.

use comanda_common::{MenuItem, OrderItemCreate, Size};

use super::CommandError;

/// An ITEM as typed, before the flavor is matched against the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemArg {
    pub flavor: String,
    pub size: Size,
    pub quantity: i64,
}

/// Parses `FLAVOR:SIZE[:QTY]`. A flavor may itself contain `:`; the size and the quantity
/// are read from the right.
pub fn parse(text: &str) -> Result<ItemArg, CommandError> {
    let bad = |why: &str| {
        CommandError::Usage(format!(
            "invalid ITEM {text:?}: {why} (expected FLAVOR:SIZE[:QTY], e.g. \"Margherita:large:2\")"
        ))
    };
    let mut parts: Vec<&str> = text.split(':').collect();
    let quantity = match parts.last().map(|q| q.trim().parse::<i64>()) {
        Some(Ok(q)) if parts.len() >= 3 => {
            parts.pop();
            q
        }
        _ => 1,
    };
    let Some(size_text) = parts.pop() else {
        return Err(bad("no size"));
    };
    if parts.is_empty() {
        return Err(bad("no size"));
    }
    let size = Size::parse(&size_text.trim().to_lowercase())
        .ok_or_else(|| bad("the size must be small, medium or large"))?;
    let flavor = parts.join(":").trim().to_owned();
    if flavor.is_empty() {
        return Err(bad("no flavor"));
    }
    Ok(ItemArg {
        flavor,
        size,
        quantity,
    })
}

/// The item to send: the menu's spelling of the flavor when one matches case-insensitively
/// (else the flavor as typed, and the server says "Item not on the menu").
pub fn resolve(arg: ItemArg, menu: &[MenuItem]) -> OrderItemCreate {
    let wanted = arg.flavor.to_lowercase();
    let flavor = menu
        .iter()
        .find(|m| m.flavor.to_lowercase() == wanted)
        .map_or(arg.flavor, |m| m.flavor.clone());
    OrderItemCreate {
        flavor,
        size: arg.size,
        quantity: arg.quantity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavor_size_and_quantity() {
        assert_eq!(
            parse("Frango com Catupiry:large:2").expect("valid"),
            ItemArg {
                flavor: "Frango com Catupiry".into(),
                size: Size::Large,
                quantity: 2
            }
        );
        assert_eq!(parse("margherita:Small").expect("valid").quantity, 1);
        assert_eq!(
            parse("Half:Half:medium:3").expect("valid").flavor,
            "Half:Half"
        );
    }

    #[test]
    fn malformed_items_are_usage_errors() {
        for bad in [
            "Margherita",
            "Margherita:huge",
            ":large",
            "Margherita:large:x:y",
        ] {
            let e = parse(bad).expect_err(bad);
            assert!(matches!(e, CommandError::Usage(_)), "{bad}: {e}");
        }
        assert!(
            parse("Margherita:huge")
                .expect_err("bad size")
                .to_string()
                .contains("the size must be small, medium or large")
        );
    }

    #[test]
    fn the_flavor_takes_the_menu_spelling() {
        let menu = vec![MenuItem {
            id: 1,
            flavor: "Margherita".into(),
            size: Size::Large,
            price_cents: 4000,
            available: true,
        }];
        let item = resolve(parse("MARGHERITA:large").expect("valid"), &menu);
        assert_eq!(item.flavor, "Margherita");
        let other = resolve(parse("Nope:large").expect("valid"), &menu);
        assert_eq!(other.flavor, "Nope");
    }
}
