//! Tests of the menu routes.

use crate::both;
use crate::helpers::*;
