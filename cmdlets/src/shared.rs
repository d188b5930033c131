//! The contents of PowerShell's reference types (arrays, ArrayLists, hashtables): every copy of such a
//! value is the same object, so `$b = $a; $b.Add(1)` or a function that fills a list it was given
//! changes what `$a` shows, as in PowerShell.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::value::Value;

/// One shared object. Cloning the handle shares it; [`Shared::snapshot`] copies the contents.
///
/// The shell runs on one thread; the lock is there so values can sit in `static`s (cmdlet layouts).
/// A change while the same object is being read (a `foreach` over a list that adds to it) is refused
/// with [`InUse`] rather than waiting on itself.
#[derive(Default)]
pub struct Shared<T>(Arc<RwLock<T>>);

/// The object is being enumerated while something tries to change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InUse;

impl fmt::Display for InUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Collection was modified; enumeration operation may not execute.")
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

impl<T> FromIterator<T> for Shared<Vec<T>> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Shared::new(iter.into_iter().collect())
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(RwLock::new(value)))
    }

    /// Read the contents. Do not run script code while holding the guard.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Change the contents; refused while the object is being read.
    pub fn write(&self) -> Result<RwLockWriteGuard<'_, T>, InUse> {
        match self.0.try_write() {
            Ok(guard) => Ok(guard),
            Err(std::sync::TryLockError::Poisoned(p)) => Ok(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Err(InUse),
        }
    }

    /// Are both handles the same object (PowerShell's reference equality)?
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Clone> Shared<T> {
    /// A copy of the contents, no longer shared.
    pub fn snapshot(&self) -> T {
        self.read().clone()
    }

    /// The contents: taken when this is the only handle, else copied.
    pub fn into_inner(self) -> T {
        match Arc::try_unwrap(self.0) {
            Ok(lock) => lock.into_inner().unwrap_or_else(PoisonError::into_inner),
            Err(shared) => shared
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    /// Equal contents (the same object is equal without reading it, so a list that holds itself
    /// compares without recursion).
    fn eq(&self, other: &Self) -> bool {
        self.same(other) || *self.read() == *other.read()
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.read().fmt(f)
    }
}

/// Which .NET list type an array value is: they share the representation and differ in their type
/// name and in whether they grow (`Add` on a plain array is refused, as in PowerShell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `System.Object[]`: `1, 2`, `@(...)`, a pipeline's output.
    Array,
    /// `System.Collections.ArrayList`.
    ArrayList,
    /// `X509Certificate2Collection`.
    CertificateCollection,
}

impl ListKind {
    pub fn type_name(self) -> &'static str {
        match self {
            ListKind::Array => "System.Object[]",
            ListKind::ArrayList => "System.Collections.ArrayList",
            ListKind::CertificateCollection => {
                "System.Security.Cryptography.X509Certificates.X509Certificate2Collection"
            }
        }
    }

    /// Does `Add`/`Insert`/`Remove` work on it?
    pub fn grows(self) -> bool {
        !matches!(self, ListKind::Array)
    }
}

/// An array value: a shared list of values of one [`ListKind`].
#[derive(Clone, Debug, PartialEq)]
pub struct List {
    kind: ListKind,
    items: Shared<Vec<Value>>,
}

impl List {
    pub fn new(kind: ListKind, items: Vec<Value>) -> Self {
        List {
            kind,
            items: Shared::new(items),
        }
    }

    pub fn kind(&self) -> ListKind {
        self.kind
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Vec<Value>> {
        self.items.read()
    }

    pub fn write(&self) -> Result<RwLockWriteGuard<'_, Vec<Value>>, InUse> {
        self.items.write()
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    pub fn same(&self, other: &List) -> bool {
        self.items.same(&other.items)
    }

    /// A copy of the elements.
    pub fn to_vec(&self) -> Vec<Value> {
        self.items.snapshot()
    }

    /// The elements: taken when nothing else holds this list, else copied.
    pub fn into_vec(self) -> Vec<Value> {
        self.items.into_inner()
    }
}

/// A hashtable's entries in insertion order (keys compare case-insensitively), shared.
pub type Table = Shared<Vec<(String, Value)>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_and_snapshots_do_not() {
        let a = List::new(ListKind::ArrayList, vec![Value::Int(1)]);
        let b = a.clone();
        b.write().expect("free").push(Value::Int(2));
        assert_eq!(a.len(), 2);
        let copy = a.to_vec();
        a.write().expect("free").clear();
        assert_eq!(copy.len(), 2);
        assert!(a.same(&b));
    }

    #[test]
    fn a_change_while_reading_is_refused_not_a_deadlock() {
        let t: Table = Shared::new(vec![("k".into(), Value::Null)]);
        let reading = t.read();
        assert_eq!(t.write().err(), Some(InUse));
        drop(reading);
        assert!(t.write().is_ok());
    }

    #[test]
    fn a_list_that_holds_itself_compares_equal_to_itself() {
        let a = List::new(ListKind::ArrayList, Vec::new());
        let inner = Value::Array(a.clone());
        a.write().expect("free").push(inner);
        assert_eq!(a, a.clone());
    }

    #[test]
    fn into_vec_takes_a_sole_list_and_copies_a_shared_one() {
        let a = List::new(ListKind::Array, vec![Value::Int(1)]);
        let b = a.clone();
        let v = a.into_vec();
        assert_eq!(v, vec![Value::Int(1)]);
        assert_eq!(b.len(), 1);
    }
}
