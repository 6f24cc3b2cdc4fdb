//! Tests of the orders routes.

use crate::both;
use crate::helpers::*;
